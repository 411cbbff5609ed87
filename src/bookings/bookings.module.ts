import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { NotificationsModule } from '../notifications/notifications.module';
import { PatientsModule } from '../patients/patients.module';
import { SlotsModule } from '../slots/slots.module';
import { AdminBookingsController, AdminSlotCancellationController } from './admin-bookings.controller';
import { AdminClosuresController, AdminDayController } from './admin-front-desk.controller';
import { AdminPatientErasureController } from './admin-patient-erasure.controller';
import { BookingLifecycle } from './booking-lifecycle';
import { BookingListingQueries } from './booking-listing.queries';
import { Booking } from './booking.entity';
import { BookingsController } from './bookings.controller';
import { BookingsService } from './bookings.service';
import { DaySheetQueries } from './day-sheet.queries';
import { IdempotencyKey } from './idempotency-key.entity';
import { IdempotencyService } from './idempotency.service';

@Module({
  imports: [
    TypeOrmModule.forFeature([Booking, IdempotencyKey]),
    SlotsModule,
    PatientsModule,
    NotificationsModule,
  ],
  controllers: [
    BookingsController,
    AdminBookingsController,
    AdminSlotCancellationController,
    AdminPatientErasureController,
    AdminClosuresController,
    AdminDayController,
  ],
  providers: [BookingsService, BookingLifecycle, BookingListingQueries, DaySheetQueries, IdempotencyService],
  exports: [BookingsService, BookingLifecycle, IdempotencyService],
})
export class BookingsModule {}
