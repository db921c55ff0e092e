/** The HTTP list backend: a read-only source of URLs named in an ossimport-style list file. */
export { HttpListStore, type HttpListStoreOptions } from './http-list-store.js';
export { readListFile, parseListLine, entryUrl, type ListEntry } from './list-file.js';
