import { checkSessions, SESSION_GROUPS } from './readme-sessions.js';

checkSessions(SESSION_GROUPS.shop);
