/** Small fetch wrapper: relative URLs only, errors that say which URL failed and why. */

export class ApiError extends Error {
  constructor(
    public readonly url: string,
    public readonly status: number,
    detail: string,
  ) {
    super(`${url}: ${status ? `HTTP ${status} ` : ""}${detail}`);
  }
}

async function detailOf(res: Response): Promise<string> {
  const text = await res.text().catch(() => "");
  try {
    const body = JSON.parse(text);
    if (typeof body.detail === "string") return body.detail;
    if (Array.isArray(body.detail)) {
      // FastAPI validation errors: say which field and why.
      return body.detail.map((d: { loc?: unknown[]; msg?: string }) => `${(d.loc ?? []).join(".")}: ${d.msg ?? ""}`).join("; ");
    }
    if (body.detail) return JSON.stringify(body.detail);
  } catch {
    /* not JSON: fall through */
  }
  return text.slice(0, 200) || res.statusText;
}

export async function getJSON<T>(url: string, init?: RequestInit): Promise<T> {
  let res: Response;
  try {
    res = await fetch(url, { credentials: "same-origin", ...init, headers: { Accept: "application/json", ...init?.headers } });
  } catch (err) {
    throw new ApiError(url, 0, `network error: ${(err as Error).message}`);
  }
  if (!res.ok) throw new ApiError(url, res.status, await detailOf(res));
  return (await res.json()) as T;
}

export async function postJSON<T>(url: string, body: unknown, init?: RequestInit): Promise<T> {
  return getJSON<T>(url, {
    method: "POST",
    body: JSON.stringify(body),
    ...init,
    headers: { "Content-Type": "application/json", ...init?.headers },
  });
}
