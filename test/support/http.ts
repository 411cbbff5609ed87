import { request as httpRequest } from 'node:http';
/** A thin fetch wrapper for e2e tests: real HTTP, JSON in, status + headers + parsed body out. */
export interface HttpResponse {
  status: number;
  headers: Headers;
  text: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  json: any;
  contentType: string;
}

export interface RequestOptions {
  token?: string;
  headers?: Record<string, string>;
  /** Sent as is (no JSON encoding), for malformed or non-JSON bodies. */
  raw?: string | Buffer;
}

export class HttpClient {
  constructor(readonly baseUrl: string) {}

  get(path: string, options?: RequestOptions) {
    return this.request('GET', path, undefined, options);
  }
  post(path: string, body?: unknown, options?: RequestOptions) {
    return this.request('POST', path, body, options);
  }
  patch(path: string, body?: unknown, options?: RequestOptions) {
    return this.request('PATCH', path, body, options);
  }
  delete(path: string, options?: RequestOptions) {
    return this.request('DELETE', path, undefined, options);
  }

  async request(
    method: string,
    path: string,
    body?: unknown,
    options: RequestOptions = {},
  ): Promise<HttpResponse> {
    const headers: Record<string, string> = { ...options.headers };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    let payload: string | Buffer | undefined = options.raw;
    if (payload === undefined && body !== undefined) {
      payload = JSON.stringify(body);
      headers['content-type'] ??= 'application/json';
    }
    const response = await fetch(this.baseUrl + path, { method, headers, body: payload });
    const text = await response.text();
    const contentType = response.headers.get('content-type') ?? '';
    let json: unknown;
    if (contentType.includes('json') && text) json = JSON.parse(text);
    return { status: response.status, headers: response.headers, text, json, contentType };
  }
}

/** Asserts the RFC 9457 shape every error must have, and returns the body. */
export function expectProblem(response: HttpResponse, status: number) {
  expect({ status: response.status, body: response.text }).toMatchObject({ status });
  expect(response.contentType).toMatch(/^application\/problem\+json/);
  expect(response.json).toEqual(
    expect.objectContaining({
      type: expect.any(String),
      title: expect.any(String),
      status,
      detail: expect.any(String),
    }),
  );
  return response.json as {
    type: string;
    title: string;
    status: number;
    detail: string;
    errors?: { field: string; message: string }[];
  };
}

/**
 * A booking request whose body never finishes arriving, so that it stays in flight until
 * `request.destroy()`. `answer` is its status if the app answers within `waitMs` (a refusal
 * before the body is read), else 'in flight'.
 */
export function slowBooking(baseUrl: string, headers: Record<string, string> = {}, waitMs = 1_000) {
  const url = new URL(baseUrl);
  const request = httpRequest({
    host: url.hostname,
    port: url.port,
    method: 'POST',
    path: '/api/v1/bookings',
    headers: { 'content-type': 'application/json', 'content-length': '100', ...headers },
  });
  const answer = new Promise<number | 'in flight'>((resolve) => {
    request.on('response', (response) => {
      response.resume();
      resolve(response.statusCode!);
    });
    setTimeout(() => resolve('in flight'), waitMs);
  });
  request.on('error', () => undefined);
  request.write('{');
  return { request, answer };
}
