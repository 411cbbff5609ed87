import { Controller, Get, Headers, Inject, Param, Query, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { localeFromAcceptLanguage } from '../common/locale';
import { NotFoundError } from '../common/domain-error';
import { APP_CONFIG, AppConfig } from '../config/config';
import { type Asset, PageAssets } from './page-assets';
import { type PageLocale, translate } from './strings';

const PAGE_ASSETS = Symbol('PAGE_ASSETS');
export const pageAssetsProvider = {
  provide: PAGE_ASSETS,
  inject: [APP_CONFIG],
  useFactory: (config: AppConfig) => PageAssets.load(config.pagesDir),
};

/** HTML text: & < > " ' escaped. */
const escapeHtml = (value: string) =>
  value.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );

/** JSON for a `<script type="application/json">` block: nothing in it can end the element. */
const jsonForHtml = (value: unknown) =>
  JSON.stringify(value).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026');

/**
 * The patient pages: /book (the booking page, also framed by the clinic's site through
 * /embed.js) and /manage/{reference} (the email's link). Each is a small HTML document in the
 * visitor's language (?lang=, else Accept-Language: Dutch for Dutch browsers, else English)
 * that loads its one script and stylesheet from /assets; the script calls /api/v1 like any
 * client. A strict CSP: scripts, styles and requests only from this origin, no inline script,
 * and no framing except /book by EMBED_ORIGINS.
 */
@ApiExcludeController()
@Controller()
export class PagesController {
  constructor(
    @Inject(PAGE_ASSETS) private readonly assets: PageAssets | undefined,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Get('book')
  book(
    @Query('lang') lang: unknown,
    @Query('embed') embed: unknown,
    @Headers('accept-language') acceptLanguage: string | undefined,
    @Res() reply: FastifyReply,
  ): void {
    const framed = embed === '1';
    this.page(reply, 'book', this.locale(lang, acceptLanguage), { embed: framed });
  }

  @Get('manage/:reference')
  manage(
    @Param('reference') reference: string,
    @Query('lang') lang: unknown,
    @Headers('accept-language') acceptLanguage: string | undefined,
    @Res() reply: FastifyReply,
  ): void {
    this.page(reply, 'manage', this.locale(lang, acceptLanguage), {
      embed: false,
      reference: reference.trim().toUpperCase().slice(0, 20),
    });
  }

  /** The front desk's console, in STAFF_LOCALE unless the staff member chose (?lang=). */
  @Get('desk')
  desk(@Query('lang') lang: unknown, @Res() reply: FastifyReply): void {
    const locale = lang === 'en' || lang === 'nl' ? lang : this.config.staffLocale;
    this.page(reply, 'desk', locale, { embed: false });
  }

  @Get('embed.js')
  embed(@Headers('accept-encoding') encoding: string | undefined, @Res() reply: FastifyReply): void {
    // A fixed address on other sites: cached briefly, so that a new version reaches them soon.
    reply.header('cross-origin-resource-policy', 'cross-origin');
    this.send(reply, this.built().entry('embed'), encoding, 'public, max-age=300');
  }

  @Get('assets/:file')
  asset(
    @Param('file') file: string,
    @Headers('accept-encoding') encoding: string | undefined,
    @Res() reply: FastifyReply,
  ): void {
    const asset = this.built().file(file);
    if (!asset) throw new NotFoundError('There is no such file.');
    // Content-hashed names: a changed file gets a new name, so this one may be kept for ever.
    this.send(reply, asset, encoding, 'public, max-age=31536000, immutable');
  }

  private page(
    reply: FastifyReply,
    name: 'book' | 'manage' | 'desk',
    locale: PageLocale,
    options: { embed: boolean; reference?: string },
  ): void {
    const assets = this.built();
    const config = {
      locale,
      clinicName: this.config.clinicName,
      clinicPhone: this.config.clinicPhone ?? null,
      timeZone: this.config.clinicTimezone,
      privacyNoticeUrl: this.config.privacyNoticeUrl ?? null,
      deadlineHours: this.config.cancellationDeadlineHours,
      ...options,
    };
    const title = `${translate(locale, `${name}.title`)} – ${this.config.clinicName}`;
    const html = `<!doctype html>
<html lang="${locale}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<link rel="stylesheet" href="/assets/${assets.entry('style').file}">
<script type="module" src="/assets/${assets.entry(name).file}"></script>
</head>
<body${options.embed ? ' class="embedded"' : ''}>
<div id="app"><noscript><p>${escapeHtml(translate(locale, 'noscript'))}</p></noscript></div>
<script type="application/json" id="page-config">${jsonForHtml(config)}</script>
</body>
</html>
`;
    const framers =
      name === 'book' && this.config.embedOrigins.length > 0 ? ` ${this.config.embedOrigins.join(' ')}` : '';
    reply
      .header('content-type', 'text/html; charset=utf-8')
      .header('cache-control', 'no-cache')
      .header('vary', 'Accept-Language')
      .header('referrer-policy', 'no-referrer')
      .header(
        'content-security-policy',
        [
          "default-src 'none'",
          "script-src 'self'",
          "style-src 'self'",
          "img-src 'self' data:",
          "connect-src 'self'",
          "form-action 'self'",
          "base-uri 'none'",
          `frame-ancestors ${name === 'book' ? `'self'${framers}` : "'none'"}`,
        ].join('; '),
      );
    // frame-ancestors decides; the older header would forbid the clinic's site from framing /book.
    reply.removeHeader('x-frame-options');
    if (name !== 'book') reply.header('x-frame-options', 'DENY');
    reply.send(html);
  }

  private send(reply: FastifyReply, asset: Asset, encoding: string | undefined, cache: string): void {
    const gzip = /\bgzip\b/.test(encoding ?? '');
    reply
      .header('content-type', asset.type)
      .header('cache-control', cache)
      .header('vary', 'Accept-Encoding')
      .header('x-content-type-options', 'nosniff');
    if (gzip) reply.header('content-encoding', 'gzip');
    reply.send(gzip ? asset.gzip : asset.body);
  }

  private locale(lang: unknown, acceptLanguage: string | undefined): PageLocale {
    if (lang === 'en' || lang === 'nl') return lang;
    return localeFromAcceptLanguage(acceptLanguage) ?? 'en';
  }

  private built(): PageAssets {
    if (!this.assets) {
      throw new NotFoundError('The pages are not built: run npm run build (npm start does it).');
    }
    return this.assets;
  }
}
