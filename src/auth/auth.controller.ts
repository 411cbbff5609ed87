import { Body, Controller, HttpCode, Ip, Post, Req } from '@nestjs/common';
import {
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { ApiProblems } from '../common/problem.dto';
import { AuthService } from './auth.service';
import { LoginDto, LoginResponseDto } from './dto/login.dto';

@ApiTags('auth')
@Controller('auth')
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  @Post('login')
  @HttpCode(200)
  @ApiOperation({ summary: 'Staff sign-in: exchange email and password for a bearer token' })
  @ApiOkResponse({ type: LoginResponseDto })
  @ApiUnauthorizedResponse({ description: 'Wrong email or password (the same answer for both)' })
  @ApiTooManyRequestsResponse({ description: 'Too many failed attempts for this account or address' })
  @ApiProblems(400)
  login(
    @Body() dto: LoginDto,
    @Ip() address: string,
    @Req() request: { id?: string },
  ): Promise<LoginResponseDto> {
    return this.auth.login(dto.email, dto.password, address, request.id);
  }
}
