import { afterEach, describe, expect, it, vi } from "vitest";
import { ApiError, getJSON } from "./client";
import { loginUrl, renewAfter, tokenOf } from "./auth";
import { analyticPowerUrl, polygonSelection, rarefactionBody } from "./stats";

afterEach(() => vi.unstubAllGlobals());

describe("API errors say what and where", () => {
  it("names the URL, the status and FastAPI's field-level messages", async () => {
    const body = { detail: [{ loc: ["body", "selection", "polygon"], msg: "polygon must be closed", type: "value_error" }] };
    vi.stubGlobal("fetch", async () => new Response(JSON.stringify(body), { status: 422 }));
    const err = (await getJSON("/api/stats/x/summary").catch((e: unknown) => e)) as ApiError;
    expect(err).toBeInstanceOf(ApiError);
    expect(err.status).toBe(422);
    expect(err.message).toBe("/api/stats/x/summary: HTTP 422 body.selection.polygon: polygon must be closed");
  });

  it("reports network failures as such", async () => {
    vi.stubGlobal("fetch", async () => {
      throw new TypeError("Failed to fetch");
    });
    await expect(getJSON("/api/layers")).rejects.toThrow("/api/layers: network error: Failed to fetch");
  });
});

describe("sign-in and tokens", () => {
  it("returns to the same view after signing in", () => {
    expect(loginUrl({ name: "orcid", title: "ORCiD", login_url: "/api/auth/login/orcid" }, "/#map=10/50.3/-8.1/0/0&layers=a~1")).toBe(
      "/api/auth/login/orcid?next=%2F%23map%3D10%2F50.3%2F-8.1%2F0%2F0%26layers%3Da~1",
    );
  });

  it("renews a minute before expiry, never more often than every 10 s", () => {
    expect(renewAfter(900)).toBe(840);
    expect(renewAfter(30)).toBe(10);
    expect(renewAfter(undefined)).toBe(540);
  });

  it("reads the token response", () => {
    expect(tokenOf({ access_token: "abc", expires_in: 900 })).toEqual({ token: "abc", expiresIn: 900 });
    expect(tokenOf({})).toEqual({ token: null, expiresIn: undefined });
  });
});

describe("statistics requests", () => {
  it("sends a closed GeoJSON polygon, or nothing for the whole survey", () => {
    expect(polygonSelection([[0, 0], [1, 0], [1, 1]])).toEqual({ polygon: { type: "Polygon", coordinates: [[[0, 0], [1, 0], [1, 1], [0, 0]]] } });
    expect(polygonSelection(null)).toEqual({});
    expect(polygonSelection([[0, 0], [1, 1]])).toEqual({});
  });

  it("asks for bootstrap CIs of rarefaction only on request", () => {
    expect(rarefactionBody({}, false).nboot).toBe(0);
    expect(rarefactionBody({}, true).nboot).toBeGreaterThan(0);
  });

  it("builds the analytic power query", () => {
    expect(analyticPowerUrl({ delta_percent: 20, cv: 0.6, alpha: 0.05, power: 0.8, tails: 2 })).toBe("/api/stats/power/analytic?delta_percent=20&cv=0.6&alpha=0.05&power=0.8");
    expect(analyticPowerUrl({ delta_percent: 20, cv: 0.6, alpha: 0.05, power: 0.8, tails: 1 })).toContain("&tails=1");
  });
});
