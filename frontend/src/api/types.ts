/** Shapes of the backend's JSON, as served by /api (see backend/src/mpa_backend/api). */

export type Theme = "bathymetry" | "sidescan" | "habitat" | "boundary" | "images" | "species" | "other" | string;

export interface LegendClass {
  value?: string | number;
  label?: string;
  name?: string;
  color?: string;
  colour?: string;
}

export interface LegendSpec {
  type: "continuous" | "classes" | "symbol";
  units?: string | null;
  colormap_name?: string | null;
  rescale?: number[] | null;
  url?: string | null;
  classes?: LegendClass[] | null;
}

export interface LayerDescriptor {
  id: string;
  title: string;
  theme: Theme;
  kind: string;
  access: "public" | "restricted" | string;
  locked: boolean;
  bbox: number[];
  type: "raster" | "vector" | "points";
  tiles: string[];
  tilejson?: string | null;
  data?: string | null;
  minzoom: number;
  maxzoom: number;
  render: Record<string, unknown>;
  legend?: LegendSpec | null;
  items: string[];
}

export interface CollectionSummary {
  id: string;
  title: string;
  description: string;
  kind: string;
  theme: Theme;
  survey: string | null;
  access: string;
  locked: boolean;
  license: string | null;
  bbox: number[];
  datetime: (string | null)[];
  items: number;
}

export interface Me {
  authenticated?: boolean;
  subject: string | null;
  provider?: string | null;
  orcid?: string | null;
  name?: string | null;
  email?: string | null;
  roles?: string[];
  collections?: string[];
  restricted_collections?: string[];
}

export interface ProviderInfo {
  name: string;
  title: string;
  login_url: string;
}

export interface Site {
  id: string;
  title: string;
  description: string;
  bbox: number[];
  center: number[];
  version: string;
}
