/** UI languages: Vietnamese first, English by a switch. */
export type Lang = 'vi' | 'en';
