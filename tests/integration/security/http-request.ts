import { request } from 'node:http';

/** One HTTP request to 127.0.0.1; resolves with the status and body. `token` adds a bearer header. */
export function httpRequest(
  port: number,
  path: string,
  options: { method?: string; body?: string; token?: string; authorization?: string } = {},
): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { 'content-type': 'application/x-ndjson' };
    if (options.token !== undefined) headers['authorization'] = `Bearer ${options.token}`;
    if (options.authorization !== undefined) headers['authorization'] = options.authorization;
    const req = request(
      { host: '127.0.0.1', port, path, method: options.method ?? 'GET', headers },
      (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}
