import { describe, expect, it } from "vitest";
import { algorithmTemplate, isTilerUrl, itemPrefix, legendUrl, pointUrl, rasterTemplate, withParams, withToken } from "./tileUrl";

const T = "/tiles/collections/hf-bathy/items/tile-1/tiles/WebMercatorQuad/{z}/{x}/{y}.png?assets=data&colormap_name=ocean_r&rescale=-120,-40";

describe("tile URL building", () => {
  it("replaces render parameters and keeps the {z}/{x}/{y} placeholders", () => {
    const url = rasterTemplate(T, "viridis", [-100, -50]);
    expect(url).toContain("/{z}/{x}/{y}.png?");
    expect(url).toContain("colormap_name=viridis");
    expect(url).toContain("rescale=-100,-50");
    expect(url).not.toContain("ocean_r");
    expect(url.match(/rescale=/g)).toHaveLength(1);
  });

  it("leaves the template alone when nothing is overridden", () => {
    expect(rasterTemplate(T, undefined, undefined)).toBe(T);
  });

  it("drops colouring for algorithms (hillshade, terrarium)", () => {
    const url = algorithmTemplate(T, "terrarium");
    expect(url).toContain("algorithm=terrarium");
    expect(url).toContain("assets=data");
    expect(url).not.toContain("colormap_name");
    expect(url).not.toContain("rescale");
  });

  it("interpolates elevations for derived surfaces, unless told otherwise", () => {
    const url = algorithmTemplate(T, "hillshade", { buffer: "3" });
    expect(url).toContain("resampling=cubic");
    expect(url).toContain("reproject=cubic");
    expect(algorithmTemplate(T, "terrarium", { resampling: "nearest" })).toContain("resampling=nearest");
  });

  it("keeps repeated parameters", () => {
    expect(withParams("/a?x=1", { assets: ["b1", "b2"] })).toBe("/a?x=1&assets=b1&assets=b2");
  });

  it("derives the item's point read-out URL", () => {
    expect(itemPrefix(T)).toBe("/tiles/collections/hf-bathy/items/tile-1");
    expect(pointUrl(T, -8.1, 50.3)).toBe("/tiles/collections/hf-bathy/items/tile-1/point/-8.100000,50.300000?assets=data");
    expect(pointUrl("/elsewhere/{z}/{x}/{y}.png", 0, 0)).toBeNull();
  });

  it("builds the legend URL for the same colormap and range", () => {
    expect(legendUrl("viridis", [-120, -40])).toBe("/tiles/legend?colormap_name=viridis&rescale=-120,-40");
    expect(legendUrl("ocean_r")).toBe("/tiles/legend?colormap_name=ocean_r");
  });

  it("adds the access token to tiler URLs only", () => {
    const origin = "http://127.0.0.1:5173";
    expect(withToken(`${origin}/tiles/x/1/2/3.png?a=1`, "tok", origin)).toBe(`${origin}/tiles/x/1/2/3.png?a=1&access_token=tok`);
    expect(withToken("/tiles/legend", "tok")).toBe("/tiles/legend?access_token=tok");
    expect(withToken("https://evil.example/tiles/x.png", "tok", origin)).toBe("https://evil.example/tiles/x.png");
    expect(withToken("/api/layers", "tok", origin)).toBe("/api/layers");
    expect(withToken("/tiles/x.png", null)).toBe("/tiles/x.png");
    expect(isTilerUrl("/tilesx/a")).toBe(false);
  });
});
