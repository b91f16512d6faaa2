/* eslint-disable @typescript-eslint/no-unused-vars */
export default function AnalysisPanel(_props: Record<string, unknown>) {
  return <p className="muted">Coming soon.</p>;
}
