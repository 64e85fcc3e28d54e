/** The live consult screens, loaded on first use (WebRTC, face detection and sync stay out of the main bundle). */
export { LiveScreen } from './LiveScreen';
export { ConnectionTestScreen } from './ConnectionTestScreen';
