import { useCallback, useEffect, useRef, useState } from 'react';

/** The state of one request a page shows: its value, its error (the host's message), whether it runs. */
export interface RequestState<T> {
  value: T | null;
  error: string | null;
  loading: boolean;
  /** Runs it again now (after an action that changed what it reads). */
  reload: () => void;
}

/**
 * Runs `load` on mount, whenever `key` changes and every `pollMs` (if given); keeps the last value
 * while a reload runs, so a list never blanks between polls. Owns its timer; an answer that
 * arrives after unmount or after a newer request started is dropped.
 */
export function useRequest<T>(load: () => Promise<T>, key: string, pollMs?: number): RequestState<T> {
  const [value, setValue] = useState<T | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const seq = useRef(0);
  const loadRef = useRef(load);
  loadRef.current = load;

  const run = useCallback(() => {
    const mine = ++seq.current;
    setLoading(true);
    loadRef.current().then(
      (v) => {
        if (mine !== seq.current) return;
        setValue(v);
        setError(null);
        setLoading(false);
      },
      (err: unknown) => {
        if (mine !== seq.current) return;
        setError(err instanceof Error ? err.message : String(err));
        setLoading(false);
      },
    );
  }, []);

  useEffect(() => {
    setValue(null);
    run();
    if (!pollMs) return () => void ++seq.current;
    const timer = setInterval(run, pollMs);
    return () => {
      clearInterval(timer);
      ++seq.current;
    };
  }, [key, pollMs, run]);

  return { value, error, loading, reload: run };
}

/** Turns a thrown value into the message a page shows. */
export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
