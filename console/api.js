// Calls to this node's JSON API (api/openapi.json) with the session cookie.
// Every write carries the session's CSRF token; a refusal is thrown as an
// ApiError holding the problem document (RFC 9457) the API answered.

let csrfToken = '';
let onSignedOut = null;

export function setCsrfToken(token) {
  csrfToken = token || '';
}

// The session's CSRF token, for requests not made through api() (an upload's progress).
export function currentCsrfToken() {
  return csrfToken;
}

// Called when an answer says the session is over (401 on a route that needs one).
export function setSignedOutHandler(fn) {
  onSignedOut = fn;
}

export class ApiError extends Error {
  constructor(status, problem, headers) {
    const p = problem && typeof problem === 'object' ? problem : {};
    super(p.detail || p.title || `HTTP ${status}`);
    this.status = status;
    this.reason = p.reason || '';
    this.detail = p.detail || p.title || `The node answered ${status}.`;
    this.errors = Array.isArray(p.errors) ? p.errors : [];
    this.headers = headers;
  }
}

// `query`: an object of parameters (undefined, null and '' are left out).
export function url(path, query) {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query || {})) {
    if (v !== undefined && v !== null && v !== '') params.set(k, String(v));
  }
  const q = params.toString();
  return q ? `${path}?${q}` : path;
}

// Resolves {status, data, etag}; rejects with an ApiError (or the fetch's
// AbortError). Options: body (sent as JSON), raw (a Blob/string body sent
// with `type`), headers, query, signal, signIn (a 401 is the form's answer,
// not the end of a session).
export async function api(method, path, options = {}) {
  const headers = { Accept: 'application/json, application/problem+json', ...options.headers };
  if (!['GET', 'HEAD', 'OPTIONS'].includes(method)) headers['X-CSRF-Token'] = csrfToken;
  let body;
  if (options.raw !== undefined) {
    body = options.raw;
    headers['Content-Type'] = options.type || 'application/octet-stream';
  } else if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers['Content-Type'] = 'application/json';
  }
  const res = await fetch(url(path, options.query), {
    method,
    headers,
    body,
    credentials: 'same-origin',
    cache: 'no-store',
    signal: options.signal,
  });
  const text = res.status === 204 ? '' : await res.text();
  let data = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = text;
    }
  }
  if (!res.ok) {
    const error = new ApiError(res.status, data, res.headers);
    if (res.status === 401 && !options.signIn && onSignedOut) onSignedOut(error);
    throw error;
  }
  return { status: res.status, data, etag: res.headers.get('ETag'), headers: res.headers };
}
