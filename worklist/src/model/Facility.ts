/** A hospital taking part in remote consults; each can request (BVTD) and/or consult (BVTT). */
export interface Facility {
  readonly id: string;
  readonly name: string;
  /** May register consults as the requesting hospital (tuyến dưới). */
  readonly canRequest: boolean;
  /** May receive consults as the consulting hospital (tuyến trên), through its planning office (G-3.3). */
  readonly canConsult: boolean;
}
