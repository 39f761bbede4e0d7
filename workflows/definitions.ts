// The signals, queries and updates live in the contract module (workflows/contract/); this file keeps the imports
// written before it working. New code imports workflows/contract.
export * from './contract/messages';
