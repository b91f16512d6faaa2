/**
 * Who is signed in, and the short-lived tiler token that unlocks restricted tiles.
 * The session lives in the backend's cookie; the frontend never sees provider tokens.
 */
import { useCallback, useEffect, useState } from "react";
import type { Me, ProviderInfo } from "./types";

export interface Auth {
  status: "loading" | "anonymous" | "signed-in" | "unavailable";
  me: Me | null;
  token: string | null;
  error: string | null;
  providers: ProviderInfo[];
  refresh: () => void;
}

/** Shown when the backend does not list its providers (older backend, or none configured). */
export const DEFAULT_PROVIDERS: ProviderInfo[] = [
  { name: "orcid", title: "ORCiD", login_url: "/api/auth/login/orcid" },
  { name: "microsoft", title: "Microsoft", login_url: "/api/auth/login/microsoft" },
];

/** The provider's login URL with where to come back to (the current view, hash included). */
export function loginUrl(provider: ProviderInfo, returnTo = window.location.pathname + window.location.hash): string {
  const base = provider.login_url || `/api/auth/login/${encodeURIComponent(provider.name)}`;
  return `${base}${base.includes("?") ? "&" : "?"}next=${encodeURIComponent(returnTo)}`;
}

export const LOGOUT_URL = "/api/auth/logout";

/** Seconds until the token should be renewed: a minute before it expires, never under 10 s. */
export function renewAfter(expiresIn: number | undefined): number {
  return Math.max(10, (expiresIn ?? 600) - 60);
}

export function tokenOf(body: Record<string, unknown>): { token: string | null; expiresIn?: number } {
  const token = (body.access_token ?? body.token ?? null) as string | null;
  const expiresIn = typeof body.expires_in === "number" ? body.expires_in : undefined;
  return { token, expiresIn };
}

export function useAuth(): Auth {
  const [state, setState] = useState<Omit<Auth, "refresh" | "providers">>({ status: "loading", me: null, token: null, error: null });
  const [providers, setProviders] = useState<ProviderInfo[]>(DEFAULT_PROVIDERS);
  useEffect(() => {
    fetch("/api/auth/providers", { headers: { Accept: "application/json" } })
      .then((r) => (r.ok ? r.json() : null))
      .then((list: ProviderInfo[] | null) => list && list.length && setProviders(list))
      .catch(() => undefined);
  }, []);
  const [nonce, setNonce] = useState(0);
  const refresh = useCallback(() => setNonce((n) => n + 1), []);

  useEffect(() => {
    let cancelled = false;
    let timer: number | undefined;
    const loadToken = async () => {
      const res = await fetch("/api/token", { credentials: "same-origin", headers: { Accept: "application/json" } });
      if (!res.ok) return null;
      const { token, expiresIn } = tokenOf(await res.json());
      timer = window.setTimeout(() => !cancelled && loadToken().then((t) => !cancelled && setState((s) => ({ ...s, token: t }))), renewAfter(expiresIn) * 1000);
      return token;
    };
    (async () => {
      try {
        const res = await fetch("/api/me", { credentials: "same-origin", headers: { Accept: "application/json" } });
        if (res.status === 401 || res.status === 403) return !cancelled && setState({ status: "anonymous", me: null, token: null, error: null });
        if (res.status === 404) return !cancelled && setState({ status: "unavailable", me: null, token: null, error: null });
        if (!res.ok) throw new Error(`/api/me: HTTP ${res.status}`);
        const me = (await res.json()) as Me | null;
        if (!me || !me.subject || me.authenticated === false) return !cancelled && setState({ status: "anonymous", me: null, token: null, error: null });
        const token = await loadToken();
        if (!cancelled) setState({ status: "signed-in", me, token, error: null });
      } catch (err) {
        if (!cancelled) setState({ status: "anonymous", me: null, token: null, error: (err as Error).message });
      }
    })();
    return () => {
      cancelled = true;
      window.clearTimeout(timer);
    };
  }, [nonce]);

  return { ...state, providers, refresh };
}
