// Rewrites docs/permissions.md from the permission policy (the permissions doc test checks it is current).
import fs from 'node:fs';
import { permissionsDoc } from './permissions-doc.ts';

fs.writeFileSync('docs/permissions.md', permissionsDoc());
