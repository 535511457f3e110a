import { describe, expect, it } from "vitest";
import { chargeBulkOperations, RequestUnitBudget, requestCharge } from "./request-units.js";

describe("request units", () => {
  it("charges by the published rule of thumb: 5 RU per KB written, 1 per KB read, 2.5 per query page", () => {
    expect(requestCharge("write", 201, 900)).toBe(5);
    expect(requestCharge("write", 200, 2049)).toBe(15);
    expect(requestCharge("write", 412, 300)).toBe(1);
    expect(requestCharge("read", 200, 1024)).toBe(1);
    expect(requestCharge("read", 200, 1025)).toBe(2);
    expect(requestCharge("query", 200, 100)).toBe(2.5);
    expect(requestCharge("query", 200, 10 * 1024)).toBe(10);
  });

  it("admits while the balance lasts, then refuses with the time until it is back to zero", () => {
    let now = 0;
    const budget = new RequestUnitBudget(100, () => now);
    expect(budget.admit()).toBeUndefined();
    budget.charge(60);
    expect(budget.admit()).toBeUndefined();
    budget.charge(60);
    // -20 RU at 100 RU/s: 200 ms.
    expect(budget.admit()).toBe(200);
    now = 200;
    expect(budget.admit()).toBeUndefined();
  });

  it("spreads the retry-afters of requests refused together one average charge apart", () => {
    let now = 0;
    const budget = new RequestUnitBudget(100, () => now);
    for (let i = 0; i < 22; i++) budget.charge(5);
    // -10 RU: solvent in 100 ms; then one 5 RU request every 50 ms.
    expect([budget.admit(), budget.admit(), budget.admit(), budget.admit()]).toEqual([100, 150, 200, 250]);
    // Later refusals queue behind the ones already told when to come back.
    now = 20;
    expect(budget.admit()).toBe(280);
    // Once the balance is back, requests are admitted again, and a fresh refusal starts from the
    // balance, not behind refusals long past.
    now = 5_000;
    expect(budget.admit()).toBeUndefined();
    budget.charge(150);
    expect(budget.admit()).toBe(500);
  });

  it("holds at most one second of budget, so an idle minute does not buy a burst", () => {
    let now = 0;
    const budget = new RequestUnitBudget(50, () => now);
    now = 60_000;
    budget.charge(50);
    expect(budget.admit()).toBeUndefined();
    budget.charge(1);
    expect(budget.admit()).toBe(20);
  });

  it("lets one request overdraw the balance, as Cosmos DB charges after running it", () => {
    let now = 0;
    const budget = new RequestUnitBudget(10, () => now);
    budget.charge(500);
    expect(budget.admit()).toBe(49_000);
    now = 49_000;
    expect(budget.admit()).toBeUndefined();
  });

  it("rejects a budget that is not a positive number", () => {
    expect(() => new RequestUnitBudget(0)).toThrow(/positive number of RU per second/);
    expect(() => new RequestUnitBudget(Number.NaN)).toThrow(/positive/);
  });
});

describe("the charge of a bulk call", () => {
  it("is the sum of its operations', each set on the operation as Cosmos DB reports it", () => {
    const results = [
      { statusCode: 201, resourceBody: { id: "a", text: "x".repeat(1500) } },
      { statusCode: 200, resourceBody: { id: "b" } },
      { statusCode: 412 },
      { statusCode: 204 },
      { statusCode: 424 },
      { statusCode: 429, requestCharge: 0 },
    ];
    expect(chargeBulkOperations(results)).toBe(10 + 5 + 1 + 5);
    expect(results.map((r) => (r as { requestCharge?: number }).requestCharge)).toEqual([10, 5, 1, 5, undefined, 0]);
  });
});
