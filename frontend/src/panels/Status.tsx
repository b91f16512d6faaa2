/** Shared loading and error presentation: every panel uses these, so states look alike. */

export function Spinner({ label = "Loading…" }: { label?: string }) {
  return (
    <div className="spinner" role="status" aria-live="polite" data-testid="spinner">
      <span className="spinner-dot" aria-hidden="true" />
      {label}
    </div>
  );
}

export function Skeleton({ lines = 3 }: { lines?: number }) {
  return (
    <div className="skeleton" aria-hidden="true">
      {Array.from({ length: lines }, (_, i) => (
        <div key={i} className="skeleton-line" style={{ width: `${90 - i * 12}%` }} />
      ))}
    </div>
  );
}

export function ErrorBanner({ error, onRetry, testid = "error-banner" }: { error: Error | string; onRetry?: () => void; testid?: string }) {
  return (
    <div className="error-banner" role="alert" data-testid={testid}>
      <span>{typeof error === "string" ? error : error.message}</span>
      {onRetry && (
        <button type="button" onClick={onRetry}>
          Retry
        </button>
      )}
    </div>
  );
}
