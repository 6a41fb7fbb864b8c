/** Where the session is kept: wx storage in the mini-program, memory in tests. */
import type { SessionStorage, WxApi } from './types.js';

/** wx.getStorageSync / setStorageSync / removeStorageSync (survives restarts of the mini-program). */
export function wxStorage(wxApi: Pick<WxApi, 'getStorageSync' | 'setStorageSync' | 'removeStorageSync'>): SessionStorage {
  return {
    get: (key) => {
      const value = wxApi.getStorageSync(key);
      return typeof value === 'string' && value !== '' ? value : undefined;
    },
    set: (key, value) => wxApi.setStorageSync(key, value),
    remove: (key) => wxApi.removeStorageSync(key),
  };
}

/** Kept in memory only (tests, or a session that must not outlive the page). */
export function memoryStorage(): SessionStorage {
  const values: { [key: string]: string } = {};
  return {
    get: (key) => values[key],
    set: (key, value) => {
      values[key] = value;
    },
    remove: (key) => {
      delete values[key];
    },
  };
}
