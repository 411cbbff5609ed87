import { Module } from '@nestjs/common';
import { pageAssetsProvider, PagesController } from './pages.controller';

/** The patient pages (/book, /manage, /embed.js) and their assets. */
@Module({ controllers: [PagesController], providers: [pageAssetsProvider] })
export class PagesModule {}
