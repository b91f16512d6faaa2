/** Inline SVG icons: no icon font or emoji font needed (kiosk and ship machines often lack them). */

const PATHS: Record<string, string> = {
  zoom: "M3 9V3h6M21 9V3h-6M3 15v6h6M21 15v6h-6",
  palette: "M12 3a9 9 0 1 0 0 18c1.1 0 1.5-.8 1.5-1.5 0-.9-.7-1.2-.7-2.1 0-.8.7-1.4 1.5-1.4H16a5 5 0 0 0 5-5c0-4.4-4-8-9-8zM7.5 12.5h.01M9.5 7.5h.01M14.5 7.5h.01M17 11h.01",
  info: "M12 21a9 9 0 1 0 0-18 9 9 0 0 0 0 18zM12 16v-5M12 8h.01",
  lock: "M6 11h12v10H6zM8.5 11V7.5a3.5 3.5 0 0 1 7 0V11",
  polygon: "M5 8l7-5 7 5-2.5 11h-9z",
  transect: "M3 19l6-8 5 4 7-10",
  close: "M6 6l12 12M18 6L6 18",
  menu: "M4 6h16M4 12h16M4 18h16",
  up: "M6 15l6-6 6 6",
  down: "M6 9l6 6 6-6",
  camera: "M4 8h3l2-3h6l2 3h3v11H4zM12 17a3.5 3.5 0 1 0 0-7 3.5 3.5 0 0 0 0 7z",
};

export function Icon({ name, size = 16, title }: { name: keyof typeof PATHS | string; size?: number; title?: string }) {
  return (
    <svg width={size} height={size} viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth={2} strokeLinecap="round" strokeLinejoin="round" aria-hidden={title ? undefined : true} role={title ? "img" : undefined} className="icon-svg">
      {title && <title>{title}</title>}
      <path d={PATHS[name] ?? ""} />
    </svg>
  );
}
