import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { isoUtc, wallClockSql } from '../common/sql';
import { parseBound } from '../common/time';
import { APP_CONFIG, AppConfig } from '../config/config';
import { ClosuresService } from '../slots/closures.service';
import type { DaySheetDto, DaySheetSlotDto } from './dto/day-sheet.dto';

/**
 * The day sheet: a local date's slots by start time, each with its bookings that are not
 * cancelled and the patient's name, phone, date of birth and email (from the record), in one
 * query. Times as ISO text and on the clinic's wall clock.
 */
const DAY_SHEET_SQL = `
  SELECT s.id, ${isoUtc('s.starts_at')} AS "startsAt", ${isoUtc('s.ends_at')} AS "endsAt",
         ${wallClockSql('s.starts_at', '$3')} AS "startsAtLocal", ${wallClockSql('s.ends_at', '$3')} AS "endsAtLocal",
         s.capacity, s.booked_count AS "bookedCount", s.status, s.notes,
         coalesce(json_agg(json_build_object(
             'id', b.id, 'reference', b.reference, 'status', b.status, 'source', b.source, 'notes', b.notes,
             'patient', json_build_object('id', p.id, 'firstName', p.first_name, 'lastName', p.last_name,
                                          'phone', p.phone, 'dateOfBirth', p.date_of_birth, 'email', p.email))
           ORDER BY p.last_name, p.first_name, b.id) FILTER (WHERE b.id IS NOT NULL), '[]') AS bookings
  FROM slot s
  LEFT JOIN booking b ON b.slot_id = s.id AND b.status <> 'cancelled'
  LEFT JOIN patient p ON p.id = b.patient_id
  WHERE s.starts_at >= $1 AND s.starts_at < $2
  GROUP BY s.id
  ORDER BY s.starts_at, s.id`;

@Injectable()
export class DaySheetQueries {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly closures: ClosuresService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async day(date: string): Promise<DaySheetDto> {
    const zone = this.config.clinicTimezone;
    const [slots, closure] = await Promise.all([
      this.dataSource.query<DaySheetSlotDto[]>(DAY_SHEET_SQL, [
        parseBound(date, zone, 'from'),
        parseBound(date, zone, 'to'),
        zone,
      ]),
      this.closures.on(date),
    ]);
    return { date, timeZone: zone, closure: closure ?? null, slots };
  }
}
