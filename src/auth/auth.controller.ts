import { Body, Controller, HttpCode, Ip, Post, Req } from '@nestjs/common';
import { Audited } from '../audit/audited';
import { StaffOnly, type StaffRequest } from '../common/access';
import { ChangeOwnPasswordDto } from '../staff/dto/create-staff.dto';
import {
  ApiNoContentResponse,
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

  @Post('password')
  @HttpCode(204)
  @StaffOnly('admin', 'receptionist')
  @ApiOperation({ summary: 'Change one’s own password: the current one is required' })
  @ApiNoContentResponse({ description: 'Changed' })
  @ApiProblems(400, 429)
  @Audited('staff.password_change', 'staff', 'none')
  async changePassword(
    @Body() dto: ChangeOwnPasswordDto,
    @Ip() address: string,
    @Req() request: StaffRequest,
  ): Promise<void> {
    await this.auth.changeOwnPassword(request.staff.id, dto.currentPassword, dto.newPassword, address);
  }
}
