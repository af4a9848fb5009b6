/**
 * Answering one request: the headers every answer carries (a strict CSP: the page loads only its
 * own script and stylesheet), the send helpers, and the query parameters the routes share.
 */
import type {IncomingMessage, ServerResponse} from 'node:http';

/** What one route handler is given. */
export type Exchange = {request: IncomingMessage; response: ServerResponse; url: URL};

export const securityHeaders = {
	'X-Content-Type-Options': 'nosniff',
	'Referrer-Policy': 'no-referrer',
	'X-Frame-Options': 'DENY',
	'Content-Security-Policy': "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
};

export function send(response: ServerResponse, status: number, type: string, body: string, headers: Record<string, string> = {}): void {
	response.writeHead(status, {'Content-Type': type, 'Content-Length': Buffer.byteLength(body), 'Cache-Control': 'no-store', ...securityHeaders, ...headers});
	response.end(body);
}

export const sendJson = (response: ServerResponse, status: number, value: unknown): void =>
	send(response, status, 'application/json; charset=utf-8', `${JSON.stringify(value)}\n`);

export const sendText = (response: ServerResponse, status: number, text: string, headers?: Record<string, string>): void =>
	send(response, status, 'text/plain; charset=utf-8', text.endsWith('\n') || text === '' ? text : `${text}\n`, headers);

/** A browser navigating (the page), rather than curl or a script (the text or JSON). */
export const wantsHtml = (request: IncomingMessage): boolean => (request.headers.accept ?? '').includes('text/html');

/** `?snapshot=1`, `?tasks=true`, … */
export const flag = (query: URLSearchParams, key: string): boolean => ['1', 'true', 'yes'].includes(query.get(key) ?? '');

/** `?follow=1` (anything but absent, `0` and `false`), like `tail -f`. */
export function follows(query: URLSearchParams): boolean {
	const value = query.get('follow');
	return value !== null && value !== '0' && value !== 'false';
}

const defaultLines = 200;
const maxLines = 5000;

/** `?lines=N`: how many of the last lines, within bounds. */
export function linesParam(query: URLSearchParams): number {
	const n = Number(query.get('lines') ?? defaultLines);
	return Number.isInteger(n) && n >= 0 ? Math.min(n, maxLines) : defaultLines;
}

/** `?stream=stdout|stderr`; anything else is both. */
export function streamParam(query: URLSearchParams): 'stdout' | 'stderr' | undefined {
	const value = query.get('stream');
	return value === 'stdout' || value === 'stderr' ? value : undefined;
}
