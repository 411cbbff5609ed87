import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AdminSlotsController } from './admin-slots.controller';
import { Closure } from './closure.entity';
import { ClosuresService } from './closures.service';
import { Slot } from './slot.entity';
import { SlotsController } from './slots.controller';
import { SlotsService } from './slots.service';

@Module({
  imports: [TypeOrmModule.forFeature([Slot, Closure])],
  controllers: [SlotsController, AdminSlotsController],
  providers: [SlotsService, ClosuresService],
  exports: [SlotsService, ClosuresService],
})
export class SlotsModule {}
