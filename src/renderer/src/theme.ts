/**
 * `[ui] theme`: "light", "dark", or "system" (the system's colour scheme,
 * followed as it changes). The page's root carries the theme in force as
 * `data-theme`, which the stylesheets key on. The kiosk has no desktop to
 * ask, so its session tells Chromium the scheme is dark: "system" is dark there.
 */
export type ThemeSetting = 'system' | 'light' | 'dark';

interface ThemeRoot {
  dataset: Record<string, string | undefined>;
}

type Media = Pick<MediaQueryList, 'matches' | 'addEventListener' | 'removeEventListener'>;

let stopFollowing: (() => void) | undefined;

/** Applies a setting; "system" keeps following the scheme until another setting is applied. */
export function applyTheme(setting: ThemeSetting, root: ThemeRoot, media: Media | undefined): void {
  stopFollowing?.();
  stopFollowing = undefined;
  if (setting !== 'system') {
    root.dataset.theme = setting;
    return;
  }
  const follow = () => (root.dataset.theme = media?.matches ? 'light' : 'dark');
  follow();
  media?.addEventListener('change', follow);
  stopFollowing = () => media?.removeEventListener('change', follow);
}

export function systemLightQuery(): Media | undefined {
  return typeof matchMedia === 'function' ? matchMedia('(prefers-color-scheme: light)') : undefined;
}
