import type { GrafanaHttp } from './http';

export interface Folder {
  uid: string;
  title: string;
  created: boolean;
}

const PAGE = 1000;

/** The folder titled `title` (top level), created if missing with a uid derived from the title. */
export async function ensureFolder(http: GrafanaHttp, title: string): Promise<Folder> {
  const existing = await findFolder(http, title);
  if (existing) return { ...existing, created: false };
  const uid = folderUid(title);
  const res = await http.request(
    'POST',
    '/api/folders',
    { what: `create folder "${title}"`, role: 'Editor' },
    { uid, title },
    [409, 412],
  );
  if (res.status === 200) return { uid: String(res.body.uid ?? uid), title, created: true };
  // Someone created it meanwhile (same title, or our uid under another title): use what is there.
  const raced = await findFolder(http, title);
  if (raced) return { ...raced, created: false };
  const byUid = await http.request('GET', `/api/folders/${encodeURIComponent(uid)}`, {
    what: `read folder ${uid}`,
    role: 'Viewer',
  });
  return { uid, title: String(byUid.body.title ?? title), created: false };
}

async function findFolder(http: GrafanaHttp, title: string): Promise<{ uid: string; title: string } | undefined> {
  for (let page = 1; ; page++) {
    const res = await http.request('GET', `/api/folders?limit=${PAGE}&page=${page}`, {
      what: 'list folders',
      role: 'Viewer',
    });
    const items = (res.body.items ?? []) as { uid: string; title: string }[];
    const hit = items.find((f) => f.title === title);
    if (hit) return { uid: hit.uid, title: hit.title };
    if (items.length < PAGE) return undefined;
  }
}

/** A stable uid from a title (`ProxySweep` → `proxysweep`), within Grafana's 40 characters of [a-z0-9-]. */
export function folderUid(title: string): string {
  const slug = title
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40)
    .replace(/-+$/, '');
  return slug || 'proxysweep';
}
