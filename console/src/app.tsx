import { useEffect, useState } from "preact/hooks";
import { ConnectionBadge } from "./components/connection-badge.js";
import { api } from "./data/api-client.js";
import { fleetFeed, useConnection } from "./data/fleet-feed.js";
import { session } from "./data/session.js";
import { BudgetsPage } from "./pages/budgets-page.js";
import { DeadLettersPage } from "./pages/dead-letters-page.js";
import { JobDetailPage } from "./pages/job-detail-page.js";
import { JobsPage } from "./pages/jobs-page.js";
import { LoginPage } from "./pages/login-page.js";
import { OverviewPage } from "./pages/overview-page.js";
import { ReportsPage } from "./pages/reports-page.js";
import { WhyPage } from "./pages/why-page.js";
import { link, match, useRoute } from "./router.js";

const NAV = [
  { to: "/", label: "Overview" },
  { to: "/jobs", label: "Jobs" },
  { to: "/why", label: "Why not running?" },
  { to: "/dead-letters", label: "Dead letters" },
  { to: "/budgets", label: "Budgets and pause" },
  { to: "/reports", label: "Chaos and load reports" },
];

/** The console: sign-in gate, navigation, the fleet stream's indicator, and the page for the URL. */
export function App() {
  const [signedIn, setSignedIn] = useState(session.token() !== undefined);
  const [signOutReason, setSignOutReason] = useState<string | undefined>(undefined);
  const [scope, setScope] = useState<string | undefined>(undefined);
  useEffect(
    () =>
      session.onChange((now, reason) => {
        setSignedIn(now);
        setSignOutReason(reason);
        if (!now) fleetFeed.stop();
      }),
    [],
  );
  useEffect(() => {
    if (!signedIn) return;
    fleetFeed.start();
    api<{ productScope: string }>("GET", "/fleet/metrics").then(
      (metrics) => setScope(metrics.productScope),
      () => setScope(undefined),
    );
  }, [signedIn]);
  if (!signedIn) return <LoginPage reason={signOutReason} />;
  return <Shell scope={scope} />;
}

function Shell({ scope }: { scope: string | undefined }) {
  const route = useRoute();
  const status = useConnection(fleetFeed.stream);
  const section = route.path === "/" ? "/" : `/${route.path.split("/")[1]}`;
  return (
    <div class="shell">
      <header class="topbar">
        <a class="brand" {...link("/")}>
          Fleet Dispatch
        </a>
        <nav>
          {NAV.map((item) => (
            <a key={item.to} {...link(item.to)} class={section === item.to ? "active" : ""} aria-current={section === item.to ? "page" : undefined}>
              {item.label}
            </a>
          ))}
        </nav>
        <div class="topbar-right">
          <ConnectionBadge status={status} label="fleet stream" />
          <span class="scope" title="the product this token acts for">
            {scope === undefined ? "" : scope === "*" ? "fleet-wide token" : `product ${scope}`}
          </span>
          <button type="button" class="link-button" onClick={() => session.signOut()}>
            Sign out
          </button>
        </div>
      </header>
      <main>
        <Page path={route.path} query={route.query} scope={scope} />
      </main>
    </div>
  );
}

function Page({ path, query, scope }: { path: string; query: URLSearchParams; scope: string | undefined }) {
  if (path === "/" || path === "") return <OverviewPage />;
  if (path === "/jobs") return <JobsPage query={query} scope={scope} />;
  const job = match("/jobs/:id", path);
  if (job !== undefined) return <JobDetailPage id={job.id!} />;
  if (path === "/why") return <WhyPage jobId={query.get("job") ?? ""} />;
  if (path === "/dead-letters") return <DeadLettersPage query={query} />;
  if (path === "/budgets") return <BudgetsPage scope={scope} />;
  if (path === "/reports") return <ReportsPage />;
  const report = match("/reports/:name", path);
  if (report !== undefined) return <ReportsPage name={report.name!} />;
  return (
    <section>
      <h1>No such page</h1>
      <p>
        There is no console page at <code>/ui{path}</code>. Go to the <a {...link("/")}>overview</a>.
      </p>
    </section>
  );
}
