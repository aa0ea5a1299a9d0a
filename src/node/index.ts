export {Node, initNetwork, configOf, VERSION} from "./node.js";
export {defaultNodeOptions, type NodeOptions, type GenesisOptions} from "./options.js";
