import { useEffect, useState } from 'preact/hooks';
import { api, listAllUsers, unwrap, type Session, type UserRow } from '../api/client.ts';
import { ConfirmDialog, ErrorNote, Loading, time } from '../components/ui.tsx';
import { DataTable, type Column } from '../components/table.tsx';
import { Field, SelectField } from '../components/field.tsx';

type Role = UserRow['role'];
const ROLES: Role[] = ['platform_admin', 'platform_viewer', 'tenant_admin', 'tenant_user'];
const isPlatformRole = (r: Role) => r.startsWith('platform_');

/** A change waiting for its confirmation. */
type Pending = { kind: 'role' | 'disable' | 'enable' | 'delete'; user: UserRow };

/**
 * Users: every account with its role, tenant and state. Platform admins add users, change a
 * role, disable, enable and delete (each confirmed); platform viewers only read the list.
 */
export function UsersPage({ session }: { session: Session }) {
  const admin = session.user.role === 'platform_admin';
  const [users, setUsers] = useState<UserRow[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [actionError, setActionError] = useState<unknown>(null);
  const [notice, setNotice] = useState('');
  const [pending, setPending] = useState<Pending | null>(null);

  const load = async () => {
    try {
      setUsers(await listAllUsers());
      setError(null);
    } catch (e) {
      setError(e);
    }
  };
  useEffect(() => void load(), []);

  const change = async (p: Pending, role?: Role, tenantId?: string | null) => {
    setPending(null);
    setActionError(null);
    const path = { id: p.user.id };
    try {
      if (p.kind === 'delete') await unwrap(api.DELETE('/api/users/{id}', { params: { path } }));
      else if (p.kind === 'role') await unwrap(api.PATCH('/api/users/{id}', { params: { path }, body: { role, tenant_id: tenantId } }));
      else await unwrap(api.PATCH('/api/users/{id}', { params: { path }, body: { disabled: p.kind === 'disable' } }));
      setNotice(p.kind === 'delete' ? `${p.user.email} deleted` : p.kind === 'role' ? `${p.user.email} is now ${role}` : `${p.user.email} ${p.kind}d`);
      await load();
    } catch (e) {
      setActionError(e);
    }
  };

  const columns: Array<Column<UserRow>> = [
    { header: 'Email', cell: (u) => u.email },
    { header: 'Name', cell: (u) => u.name ?? '—' },
    { header: 'Role', cell: (u) => u.role },
    { header: 'Tenant', cell: (u) => (u.tenant_id ? <a href={`/tenants/${u.tenant_id}`}>{u.tenant_id.slice(0, 8)}</a> : '—') },
    { header: 'State', cell: (u) => (u.disabled ? <span class="badge badge-failed">Disabled</span> : <span class="badge badge-completed">Active</span>) },
    { header: 'Created', cell: (u) => time(u.created_at) },
  ];
  if (admin)
    columns.push({
      header: 'Actions',
      cell: (u) => (
        <span class="row-actions">
          <button type="button" aria-label={`Change role of ${u.email}`} onClick={() => setPending({ kind: 'role', user: u })}>
            Change role
          </button>
          <button type="button" aria-label={`${u.disabled ? 'Enable' : 'Disable'} ${u.email}`} onClick={() => setPending({ kind: u.disabled ? 'enable' : 'disable', user: u })}>
            {u.disabled ? 'Enable' : 'Disable'}
          </button>
          <button type="button" class="danger" aria-label={`Delete ${u.email}`} onClick={() => setPending({ kind: 'delete', user: u })}>
            Delete
          </button>
        </span>
      ),
    });

  return (
    <section>
      <h1>Users</h1>
      {!admin ? <p class="muted small">Your role may look but not change users.</p> : null}
      <ErrorNote error={error} />
      <ErrorNote error={actionError} />
      <p class="sr-only" role="status">
        {notice}
      </p>
      {users === null ? <Loading /> : <DataTable caption={`Users (${users.length})`} columns={columns} rows={users} rowProps={(u) => ({ 'data-user': u.email })} />}
      {admin ? <AddUser onAdded={load} /> : null}
      <RoleDialog
        user={pending?.kind === 'role' ? pending.user : null}
        self={pending?.user.id === session.user.id}
        onCancel={() => setPending(null)}
        onConfirm={(role, tenantId) => pending && void change(pending, role, tenantId)}
      />
      <ConfirmDialog
          open={pending !== null && pending.kind !== 'role'}
          title={pending ? `${verb(pending.kind)} ${pending.user.email}?` : ''}
          confirmLabel={pending ? verb(pending.kind) : 'Confirm'}
          onCancel={() => setPending(null)}
          onConfirm={() => pending && void change(pending)}
        >
          <p>{pending ? explain(pending.kind) : null}</p>
          {pending && pending.user.id === session.user.id && pending.kind !== 'enable' ? <p>This is your own account: you will be logged out.</p> : null}
      </ConfirmDialog>
    </section>
  );
}

const verb = (k: Pending['kind']) => ({ role: 'Change role', disable: 'Disable', enable: 'Enable', delete: 'Delete' })[k];
const explain = (k: Pending['kind']) =>
  ({
    role: '',
    disable: 'The account can no longer log in, and its tokens stop working at once. Enable it to undo.',
    enable: 'The account may log in again.',
    delete: 'The account is removed for good, and its tokens stop working at once.',
  })[k];

/** The new role (and the tenant a tenant role needs), confirmed in a modal dialog. */
function RoleDialog({ user, self, onCancel, onConfirm }: { user: UserRow | null; self: boolean; onCancel: () => void; onConfirm: (role: Role, tenantId: string | null) => void }) {
  const [role, setRole] = useState<Role>('tenant_user');
  const [tenant, setTenant] = useState('');
  useEffect(() => {
    if (!user) return;
    setRole(user.role);
    setTenant(user.tenant_id ?? '');
  }, [user]);
  const platform = isPlatformRole(role);
  return (
    <ConfirmDialog open={user !== null} title={`Change role of ${user?.email ?? ''}?`} confirmLabel="Change role" onCancel={onCancel} onConfirm={() => onConfirm(role, platform ? null : tenant.trim())}>
      <div class="stack">
        <SelectField label="New role" value={role} options={ROLES} onChange={setRole} autofocus />
        {!platform ? (
          <Field label="Tenant id">
            <input value={tenant} required pattern="[0-9a-fA-F-]{36}" onInput={(e) => setTenant((e.target as HTMLInputElement).value)} />
          </Field>
        ) : null}
        <p class="muted small">Its tokens stop working at once: the user logs in again with the new role.{self ? ' This is your own account: you will be logged out.' : ''}</p>
      </div>
    </ConfirmDialog>
  );
}

/** POST /api/users. */
function AddUser({ onAdded }: { onAdded: () => Promise<void> }) {
  const [error, setError] = useState<unknown>(null);
  const [role, setRole] = useState<Role>('tenant_admin');
  const submit = async (e: Event) => {
    e.preventDefault();
    const form = e.currentTarget as HTMLFormElement;
    const f = new FormData(form);
    const tenant = String(f.get('tenant_id') ?? '').trim();
    setError(null);
    try {
      await unwrap(
        api.POST('/api/users', {
          body: { email: String(f.get('email')), name: String(f.get('name') ?? '').trim() || undefined, password: String(f.get('password')), role, ...(isPlatformRole(role) ? {} : { tenant_id: tenant }) },
        }),
      );
      form.reset();
      await onAdded();
    } catch (err) {
      setError(err);
    }
  };
  return (
    <section class="card" aria-labelledby="add-user-title">
      <h2 id="add-user-title">Add a user</h2>
      <form class="grid2" onSubmit={submit}>
        <Field label="Email">
          <input name="email" type="email" required autocomplete="off" />
        </Field>
        <Field label="Name" optional>
          <input name="name" />
        </Field>
        <Field label="Password">
          <input name="password" type="password" required minLength={10} autocomplete="new-password" />
        </Field>
        <SelectField label="Role" value={role} options={ROLES} onChange={setRole} />
        {!isPlatformRole(role) ? (
          <Field label="Tenant id">
            <input name="tenant_id" required pattern="[0-9a-fA-F-]{36}" />
          </Field>
        ) : null}
        <ErrorNote error={error} />
        <div>
          <button type="submit" class="primary">
            Add user
          </button>
        </div>
      </form>
    </section>
  );
}
