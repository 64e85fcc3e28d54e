/** Events of the {@link SessionService}. */
export const SESSION_EVENTS = {
  /** After a successful login. */
  LOGGED_IN: 'HOICHAN_VIEWER_LOGGED_IN',
  /** After logout, or when the server answered 401 to a stored token. */
  LOGGED_OUT: 'HOICHAN_VIEWER_LOGGED_OUT',
} as const;

export interface LoggedInDetail {
  username: string;
}

export interface LoggedOutDetail {
  reason: 'logout' | 'expired';
}

export type SessionEventMap = {
  [SESSION_EVENTS.LOGGED_IN]: LoggedInDetail;
  [SESSION_EVENTS.LOGGED_OUT]: LoggedOutDetail;
};
