/**
 * The features' Apollo plugins as one plugin. Apollo Server calls every request listener at every hook
 * it reaches, a promise per listener whether or not it has the hook, and awaits `responseForOperation`
 * listener by listener (a microtask each); with a plugin per feature that is most of its request
 * pipeline's cost. One combined listener calls only the hooks that exist, in the features' order.
 *
 * Plugins may only start requests (`requestDidStart`), and their listeners may use only the hooks below:
 * anything else is refused (at start-up for plugin hooks, at the first request for listener hooks), so a
 * feature never silently loses one.
 */
import type { ApolloServerPlugin, GraphQLRequestContext, GraphQLRequestListener } from '@apollo/server';

type Listener<C extends object> = GraphQLRequestListener<C>;
/** Hooks every listener having them is told of, in order, all awaited together. */
const NOTIFY_HOOKS = ['didResolveSource', 'didResolveOperation', 'didEncounterErrors', 'willSendResponse'] as const;
type NotifyHook = (typeof NOTIFY_HOOKS)[number];
const SUPPORTED = new Set<string>([...NOTIFY_HOOKS, 'responseForOperation']);

/** Thrown when a feature's plugin uses a hook the combined plugin does not carry. */
export class UnsupportedPluginHook extends Error {}

export function combinedPlugin<C extends object>(plugins: readonly ApolloServerPlugin<C>[]): ApolloServerPlugin<C> {
  for (const plugin of plugins) {
    const other = Object.keys(plugin).find((key) => key !== 'requestDidStart');
    if (other) throw new UnsupportedPluginHook(`a gateway feature's Apollo plugin uses ${other}, which the combined plugin does not carry`);
  }
  const starts = plugins.flatMap((plugin) => (plugin.requestDidStart ? [plugin.requestDidStart.bind(plugin)] : []));
  // Listeners that are the same object every request are checked once.
  const checked = new WeakSet<object>();
  return {
    async requestDidStart(context) {
      const listeners: Listener<C>[] = [];
      for (const listener of await Promise.all(starts.map((start) => start(context)))) {
        if (!listener) continue;
        if (!checked.has(listener)) {
          const other = Object.keys(listener).find((key) => !SUPPORTED.has(key));
          if (other) throw new UnsupportedPluginHook(`a gateway feature's Apollo listener uses ${other}, which the combined plugin does not carry`);
          checked.add(listener);
        }
        listeners.push(listener);
      }
      return combinedListener(listeners);
    },
  };
}

function combinedListener<C extends object>(listeners: readonly Listener<C>[]): Listener<C> {
  const combined: Listener<C> = {};
  for (const hook of NOTIFY_HOOKS) {
    const having = listeners.filter((listener) => listener[hook]);
    if (having.length === 0) continue;
    // One listener: its own promise, nothing around it.
    if (having.length === 1) combined[hook] = having[0]![hook]!.bind(having[0]) as never;
    else combined[hook] = (async (context: never) => void (await Promise.all(having.map((listener) => notify(listener, hook, context))))) as never;
  }
  const responders = listeners.filter((listener) => listener.responseForOperation);
  if (responders.length > 0) {
    combined.responseForOperation = async (context) => {
      for (const listener of responders) {
        const response = await listener.responseForOperation!(context);
        if (response !== null) return response;
      }
      return null;
    };
  }
  return combined;
}

const notify = <C extends object>(listener: Listener<C>, hook: NotifyHook, context: GraphQLRequestContext<C>) =>
  (listener[hook] as (context: GraphQLRequestContext<C>) => Promise<void>).call(listener, context);
