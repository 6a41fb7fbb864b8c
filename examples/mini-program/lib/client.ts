/**
 * The client package. In a real mini-program: `npm install identity-federation-client`, build npm in the
 * WeChat developer tools, and import from 'identity-federation-client'; this example imports the source.
 */
export * from 'identity-federation-client';
