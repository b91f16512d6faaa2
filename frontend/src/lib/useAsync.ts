import { useCallback, useEffect, useRef, useState } from "react";

export type AsyncState<T> =
  | { status: "idle"; data?: undefined; error?: undefined }
  | { status: "loading"; data?: T; error?: undefined }
  | { status: "ready"; data: T; error?: undefined }
  | { status: "error"; data?: T; error: Error };

/**
 * Runs `load` whenever `deps` change and keeps loading / error / data apart, so every panel can
 * show a spinner, an error banner with retry, or its content. Stale answers are dropped.
 */
export function useAsync<T>(load: (() => Promise<T>) | null, deps: unknown[]): AsyncState<T> & { retry: () => void } {
  const [state, setState] = useState<AsyncState<T>>({ status: "idle" });
  const [nonce, setNonce] = useState(0);
  const seq = useRef(0);
  useEffect(() => {
    if (!load) {
      setState({ status: "idle" });
      return;
    }
    const mine = ++seq.current;
    setState((s) => ({ status: "loading", data: s.data }) as AsyncState<T>);
    load().then(
      (data) => mine === seq.current && setState({ status: "ready", data }),
      (error: Error) => mine === seq.current && setState((s) => ({ status: "error", error, data: s.data })),
    );
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...deps, nonce]);
  const retry = useCallback(() => setNonce((n) => n + 1), []);
  return { ...state, retry };
}
