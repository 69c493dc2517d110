import { useEffect } from 'react';
import { useUi, type Toast } from '../store';

const TOAST_MS = 6000;

function ToastView({ toast }: { toast: Toast }) {
  const remove = useUi((s) => s.removeToast);
  useEffect(() => {
    const t = setTimeout(() => remove(toast.id), TOAST_MS);
    return () => clearTimeout(t);
  }, [toast.id, remove]);
  return (
    <div className="toast" data-testid="toast" role="status" onClick={() => remove(toast.id)}>
      <span>{toast.text}</span>
      <button type="button" className="toast-close" aria-label="Close notice" onClick={() => remove(toast.id)}>
        ×
      </button>
    </div>
  );
}

/** Non-blocking notices (notify decisions); they go away by themselves. */
export function Toasts() {
  const toasts = useUi((s) => s.toasts);
  return (
    <div className="toasts">
      {toasts.map((t) => (
        <ToastView key={t.id} toast={t} />
      ))}
    </div>
  );
}
