import { useEffect, useState } from "react";
import { Api } from "./api-client.ts";
import type { TokenRole } from "../../src/domain/enums.ts";
import { BackupDetail } from "./pages/BackupDetail.tsx";
import { Backups } from "./pages/Backups.tsx";
import { Overview } from "./pages/Overview.tsx";
import { SignIn } from "./pages/SignIn.tsx";
import { Sources } from "./pages/Sources.tsx";

const TOKEN_KEY = "pgproof.token";

function useHash(): string {
  const [hash, setHash] = useState(window.location.hash || "#/");
  useEffect(() => {
    const onChange = () => setHash(window.location.hash || "#/");
    window.addEventListener("hashchange", onChange);
    return () => window.removeEventListener("hashchange", onChange);
  }, []);
  return hash;
}

export function App() {
  const [session, setSession] = useState<{ api: Api; name: string; role: TokenRole }>();
  const hash = useHash();
  useEffect(() => {
    const saved = sessionStorage.getItem(TOKEN_KEY);
    if (!saved) return;
    const api = new Api(saved);
    api.me().then((caller) => setSession({ api, ...caller }), () => sessionStorage.removeItem(TOKEN_KEY));
  }, []);
  if (!session) {
    return <SignIn onSignedIn={(api, caller) => { sessionStorage.setItem(TOKEN_KEY, api.token); setSession({ api, ...caller }); }} />;
  }
  const canAct = session.role === "admin";
  const [path, query] = hash.slice(1).split("?");
  const params = new URLSearchParams(query ?? "");
  let page;
  if (path?.startsWith("/backup/")) page = <BackupDetail api={session.api} id={path.slice("/backup/".length)} canAct={canAct} />;
  else if (path === "/backups") page = <Backups api={session.api} initialSource={params.get("source") ?? undefined} canAct={canAct} key={params.get("source") ?? ""} />;
  else if (path === "/sources") page = <Sources api={session.api} canAct={canAct} />;
  else page = <Overview api={session.api} />;
  const link = (to: string, label: string) => <a href={`#${to}`} aria-current={path === to ? "page" : undefined}>{label}</a>;
  return (
    <>
      <header className="top">
        <strong className="brand">pgproof</strong>
        <nav>{link("/", "Overview")}{link("/backups", "Backups")}{link("/sources", "Sources")}</nav>
        <span className="who">{session.name} ({session.role})</span>
        <button onClick={() => { sessionStorage.removeItem(TOKEN_KEY); setSession(undefined); }}>Sign out</button>
      </header>
      <main>{page}</main>
    </>
  );
}
