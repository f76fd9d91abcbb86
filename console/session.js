// The signed-in principal (GET /v1/session) and what it may do.

const session = { principal: '', node: '', permissions: new Set() };

export function setSession(data) {
  session.principal = data?.principal || '';
  session.node = data?.node || '';
  session.permissions = new Set(data?.permissions || []);
}

export function currentSession() {
  return session;
}

// True if the principal holds `permission` ("customers.view", ...). As the
// API has it, customers.manage implies customers.create and customers.edit,
// and "*" is every permission.
export function can(permission) {
  const p = session.permissions;
  if (p.has('*') || p.has(permission)) return true;
  return (permission === 'customers.create' || permission === 'customers.edit') &&
    p.has('customers.manage');
}

export function canAny(...permissions) {
  return permissions.some(can);
}
