import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsEmail, IsIn, IsString, MaxLength, MinLength, registerDecorator } from 'class-validator';
import { Optional } from '../../common/validators';
import { STAFF_ROLES, type StaffRole } from '../../common/access';
import { passwordProblem } from '../../config/password-policy';

export const MIN_PASSWORD_LENGTH = 12;

/** Not one of the most common passwords, nor one character repeated. */
function IsUncommonPassword() {
  return (target: object, propertyName: string) =>
    registerDecorator({
      name: 'isUncommonPassword',
      target: target.constructor,
      propertyName,
      validator: {
        validate: (value) => typeof value !== 'string' || passwordProblem(value) === undefined,
        defaultMessage: (args) => passwordProblem(String(args?.value)) ?? 'is not an acceptable password',
      },
    });
}

/** A new password: at least MIN_PASSWORD_LENGTH characters, not a common one. */
function NewPassword() {
  return (target: object, propertyName: string) => {
    IsString()(target, propertyName);
    MaxLength(256)(target, propertyName);
    IsUncommonPassword()(target, propertyName);
    MinLength(MIN_PASSWORD_LENGTH, { message: `must be at least ${MIN_PASSWORD_LENGTH} characters` })(
      target,
      propertyName,
    );
  };
}

export class CreateStaffDto {
  @ApiProperty({ example: 'anna@clinic.example', maxLength: 254 })
  @Transform(({ value }) => (typeof value === 'string' ? value.trim().toLowerCase() : value))
  @MaxLength(254)
  @IsEmail({}, { message: 'must be an email address' })
  email: string;

  @ApiProperty({ minLength: MIN_PASSWORD_LENGTH, maxLength: 256, format: 'password' })
  @NewPassword()
  password: string;

  @ApiProperty({ enum: STAFF_ROLES })
  @IsIn(STAFF_ROLES, { message: `must be one of ${STAFF_ROLES.join(', ')}` })
  role: StaffRole;
}

export class UpdateStaffDto {
  @ApiPropertyOptional({ enum: STAFF_ROLES })
  @Optional()
  @IsIn(STAFF_ROLES, { message: `must be one of ${STAFF_ROLES.join(', ')}` })
  role?: StaffRole;

  @ApiPropertyOptional({
    description: 'false: the account can no longer sign in, and its tokens stop working',
  })
  @Optional()
  @IsBoolean({ message: 'must be true or false' })
  active?: boolean;
}

export class SetPasswordDto {
  @ApiProperty({ minLength: MIN_PASSWORD_LENGTH, maxLength: 256, format: 'password' })
  @NewPassword()
  password: string;
}

export class ChangeOwnPasswordDto {
  @ApiProperty({ format: 'password' })
  @MaxLength(256)
  @IsString()
  currentPassword: string;

  @ApiProperty({ minLength: MIN_PASSWORD_LENGTH, maxLength: 256, format: 'password' })
  @NewPassword()
  newPassword: string;
}
