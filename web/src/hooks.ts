import { useCallback, useEffect, useRef, useState } from "react";

/** Loads data and reloads it every `intervalMs` while `live(data)` holds, so running work updates without a reload. */
export function usePolled<T>(load: () => Promise<T>, deps: unknown[], live: (data: T) => boolean = () => false, intervalMs = 1500) {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const loadRef = useRef(load);
  loadRef.current = load;
  const refresh = useCallback(async () => {
    try {
      setData(await loadRef.current());
      setError(undefined);
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  }, []);
  useEffect(() => {
    void refresh();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, deps);
  useEffect(() => {
    if (data === undefined || !live(data)) return;
    const timer = setTimeout(() => void refresh(), intervalMs);
    return () => clearTimeout(timer);
  });
  return { data, error, refresh };
}
