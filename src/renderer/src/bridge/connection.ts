/** The browser host's link to the core (Electron's IPC cannot drop). */
export type ConnectionState = 'connecting' | 'open' | 'reconnecting' | 'closed';
