import { DynamicModule, Global, Module } from '@nestjs/common';
import { APP_SECRET, resolveAppSecret } from './app-secret';
import { APP_CONFIG, AppConfig } from './config';

/** Makes the configuration read at boot, and the app secret, injectable everywhere. */
@Global()
@Module({})
export class ConfigModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: ConfigModule,
      providers: [
        { provide: APP_CONFIG, useValue: config },
        { provide: APP_SECRET, useFactory: () => resolveAppSecret(config) },
      ],
      exports: [APP_CONFIG, APP_SECRET],
    };
  }
}
