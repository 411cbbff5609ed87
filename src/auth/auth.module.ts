import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { JwtModule } from '@nestjs/jwt';
import { createSecretKey } from 'node:crypto';
import { APP_SECRET } from '../config/app-secret';
import { StaffModule } from '../staff/staff.module';
import { AuthController } from './auth.controller';
import { AuthService } from './auth.service';
import { LoginLimiter } from './login-limiter';
import { StaffAuthGuard } from './staff-auth.guard';

/** Sign-in, and the global guard that enforces @StaffOnly (common/access) on every route. */
@Module({
  imports: [
    StaffModule,
    JwtModule.registerAsync({
      inject: [APP_SECRET],
      // A key object, made once: given a string, jsonwebtoken first tries it as a PEM public
      // key and builds the secret key from the thrown error, on every sign and verify (about
      // a millisecond of CPU per staff request). Same bytes, so tokens are unchanged.
      useFactory: (secret: string) => ({
        secret: createSecretKey(Buffer.from(secret, 'utf8')),
        signOptions: { algorithm: 'HS256' },
      }),
    }),
  ],
  controllers: [AuthController],
  providers: [AuthService, LoginLimiter, { provide: APP_GUARD, useClass: StaffAuthGuard }],
})
export class AuthModule {}
