// Importing this module registers the gateway's built-in job kinds.
import './dimse.js';
import './dicomweb.js';
