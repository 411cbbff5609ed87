import { Global, Module } from '@nestjs/common';
import { JwtModule } from '@nestjs/jwt';
import { createSecretKey } from 'node:crypto';
import { STAFF_AUTHENTICATOR } from '../common/access';
import { APP_SECRET } from '../config/app-secret';
import { StaffModule } from '../staff/staff.module';
import { AuthController } from './auth.controller';
import { AuthService } from './auth.service';
import { LoginLimiter } from './login-limiter';

/**
 * Sign-in, and the StaffAuthenticator behind @StaffOnly (common/access). Global, so that every
 * module's StaffGuard finds it without importing auth.
 */
@Global()
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
  providers: [AuthService, LoginLimiter, { provide: STAFF_AUTHENTICATOR, useExisting: AuthService }],
  exports: [STAFF_AUTHENTICATOR],
})
export class AuthModule {}
