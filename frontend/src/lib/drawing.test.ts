import { describe, expect, it } from "vitest";
import { IDLE, drawReducer, previewFeatures, type DrawState } from "./drawing";

function run(events: Parameters<typeof drawReducer>[1][], from: DrawState = IDLE) {
  let state = from;
  let done;
  for (const e of events) {
    const r = drawReducer(state, e);
    state = r.state;
    done = r.done ?? done;
  }
  return { state, done };
}

describe("polygon drawing", () => {
  it("adds a vertex per click and closes on finish", () => {
    const { state, done } = run([{ type: "start", tool: "polygon" }, { type: "click", at: [0, 0] }, { type: "click", at: [1, 0] }, { type: "click", at: [1, 1] }, { type: "finish" }]);
    expect(done).toEqual({ tool: "polygon", vertices: [[0, 0], [1, 0], [1, 1]] });
    expect(state).toEqual(IDLE);
  });

  it("closes when the first corner is clicked again", () => {
    const { done } = run([{ type: "start", tool: "polygon" }, { type: "click", at: [0, 0] }, { type: "click", at: [1, 0] }, { type: "click", at: [1, 1] }, { type: "click", at: [0, 0.0001], nearFirst: true }]);
    expect(done?.vertices).toHaveLength(3);
  });

  it("drops the duplicate vertex a double-click leaves", () => {
    const { done } = run([{ type: "start", tool: "polygon" }, { type: "click", at: [0, 0] }, { type: "click", at: [1, 0] }, { type: "click", at: [1, 1] }, { type: "click", at: [1, 1] }, { type: "finish" }]);
    expect(done?.vertices).toEqual([[0, 0], [1, 0], [1, 1]]);
  });

  it("will not finish with too few points or a crossing ring, and says why", () => {
    const few = run([{ type: "start", tool: "polygon" }, { type: "click", at: [0, 0] }, { type: "click", at: [1, 0] }, { type: "finish" }]);
    expect(few.done).toBeUndefined();
    expect(few.state.message).toMatch(/at least 3/);
    const bow = run([{ type: "start", tool: "polygon" }, { type: "click", at: [0, 0] }, { type: "click", at: [1, 1] }, { type: "click", at: [1, 0] }, { type: "click", at: [0, 1] }, { type: "finish" }]);
    expect(bow.done).toBeUndefined();
    expect(bow.state.message).toMatch(/crosses itself/);
    const fixed = run([{ type: "undo" }, { type: "undo" }, { type: "click", at: [1, 0] }, { type: "click", at: [0, 1] }, { type: "finish" }], { ...bow.state });
    expect(fixed.done).toBeUndefined(); // still [0,0],[1,1],[1,0],[0,1]: crossing again
  });

  it("undo removes the last vertex and cancel resets", () => {
    const { state } = run([{ type: "start", tool: "transect" }, { type: "click", at: [0, 0] }, { type: "click", at: [1, 0] }, { type: "undo" }]);
    expect(state.vertices).toEqual([[0, 0]]);
    expect(run([{ type: "cancel" }], state).state).toEqual(IDLE);
  });

  it("a transect needs two points", () => {
    const { done } = run([{ type: "start", tool: "transect" }, { type: "click", at: [0, 0] }, { type: "click", at: [2, 1] }, { type: "finish" }]);
    expect(done).toEqual({ tool: "transect", vertices: [[0, 0], [2, 1]] });
  });

  it("ignores clicks when no tool is active", () => {
    expect(run([{ type: "click", at: [0, 0] }]).state).toEqual(IDLE);
  });

  it("previews a rubber band to the cursor", () => {
    const state: DrawState = { tool: "polygon", vertices: [[0, 0], [1, 0]], message: null };
    const fc = previewFeatures(state, [1, 1]);
    const roles = fc.features.map((f) => f.properties?.role);
    expect(roles).toEqual(["fill", "line", "vertex", "vertex"]);
    expect((fc.features[0].geometry as GeoJSON.Polygon).coordinates[0]).toEqual([[0, 0], [1, 0], [1, 1], [0, 0]]);
  });
});
