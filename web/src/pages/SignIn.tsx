import { useState, type FormEvent } from "react";
import { Api } from "../api-client.ts";
import type { TokenRole } from "../../../src/domain/enums.ts";

export function SignIn({ onSignedIn }: { onSignedIn: (api: Api, caller: { name: string; role: TokenRole }) => void }) {
  const [token, setToken] = useState("");
  const [error, setError] = useState<string>();
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const api = new Api(token.trim());
    try {
      onSignedIn(api, await api.me());
    } catch {
      setError("That token was not accepted. Use the admin token pgproof printed at its first start, or one from `pgproof token create`.");
    }
  };
  return (
    <main className="signin">
      <h1>pgproof</h1>
      <p>PostgreSQL backups that carry proof they restore.</p>
      <form onSubmit={submit}>
        <label htmlFor="token">API token</label>
        <input id="token" type="password" autoComplete="off" value={token} onChange={(e) => setToken(e.target.value)} autoFocus required />
        <button type="submit">Sign in</button>
        {error && <p role="alert" className="error">{error}</p>}
      </form>
    </main>
  );
}
