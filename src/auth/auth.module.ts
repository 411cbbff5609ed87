import { Global, Module } from '@nestjs/common';
import { JwtModule } from '@nestjs/jwt';
import { APP_SECRET } from '../config/app-secret';
import { StaffModule } from '../staff/staff.module';
import { AuthController } from './auth.controller';
import { AuthService } from './auth.service';
import { LoginLimiter } from './login-limiter';
import { StaffAuthGuard } from './staff-auth.guard';

@Global()
@Module({
  imports: [
    StaffModule,
    JwtModule.registerAsync({
      inject: [APP_SECRET],
      useFactory: (secret: string) => ({ secret, signOptions: { algorithm: 'HS256' } }),
    }),
  ],
  controllers: [AuthController],
  providers: [AuthService, LoginLimiter, StaffAuthGuard],
  exports: [AuthService, StaffAuthGuard],
})
/** Global: every module's admin controllers use its guard (@StaffOnly) without importing it. */
export class AuthModule {}
