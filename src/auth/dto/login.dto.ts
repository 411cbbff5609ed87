import { ApiProperty } from '@nestjs/swagger';
import { IsNotEmpty, IsString, MaxLength } from 'class-validator';

export class LoginDto {
  @ApiProperty({ example: 'anna@clinic.example', maxLength: 254 })
  @IsNotEmpty()
  @MaxLength(254)
  @IsString()
  email: string;

  @ApiProperty({ format: 'password', maxLength: 256 })
  @IsNotEmpty()
  @MaxLength(256)
  @IsString()
  password: string;
}

export class LoginResponseDto {
  @ApiProperty({ description: 'Bearer token for the staff endpoints' })
  accessToken: string;

  @ApiProperty({ description: 'Seconds until the token expires', example: 28800 })
  expiresIn: number;
}
