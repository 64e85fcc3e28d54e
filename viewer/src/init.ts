import {
  init as coreInit,
  volumeLoader,
  cornerstoneStreamingImageVolumeLoader,
  imageRetrievalPoolManager,
  Enums as CoreEnums,
} from '@cornerstonejs/core';
import {
  init as toolsInit,
  addTool,
  WindowLevelTool,
  PanTool,
  ZoomTool,
  StackScrollTool,
  LengthTool,
  AngleTool,
  EllipticalROITool,
  ArrowAnnotateTool,
} from '@cornerstonejs/tools';
import { init as dicomImageLoaderInit } from '@cornerstonejs/dicom-image-loader';
import type { ViewerConfig } from './types';

let started: Promise<void> | null = null;

/**
 * Registers everything Cornerstone needs, once per page: rendering core, tools, the DICOM image loader
 * (`wadors:` image ids over DICOMweb, decode workers, wasm codecs) with `headers()` added to each request
 * and `onUnauthorized` called on a 401, and the streaming volume loader for MPR.
 */
export function initCornerstone(config: ViewerConfig, headers: () => Record<string, string>, onUnauthorized: () => void = () => {}): Promise<void> {
  started ??= (async () => {
    // The image loader first: it starts the decode workers, which then load their code while core probes
    // WebGL (slow on a software rasterizer) instead of after it; the first frame waits for a worker (issue 6).
    dicomImageLoaderInit({
      maxWebWorkers: config.maxWebWorkers,
      beforeSend: () => headers(),
      errorInterceptor: (err) => {
        if ((err as { status?: number }).status === 401) onUnauthorized();
      },
    });
    // Without a GPU, Chromium's SwiftShader has WebGL2 but no norm16 textures; core then uploads floats.
    coreInit({ rendering: { preferSizeOverAccuracy: false }, debug: { statsOverlay: false } } as Parameters<typeof coreInit>[0]);
    volumeLoader.registerUnknownVolumeLoader(cornerstoneStreamingImageVolumeLoader as never);
    volumeLoader.registerVolumeLoader('cornerstoneStreamingImageVolume', cornerstoneStreamingImageVolumeLoader as never);
    // Prefetch must leave sockets free for the image the user is looking at (browsers open ~6 per host).
    imageRetrievalPoolManager.setMaxSimultaneousRequests(CoreEnums.RequestType.Prefetch, config.prefetchConcurrency);
    toolsInit();
    for (const tool of [WindowLevelTool, PanTool, ZoomTool, StackScrollTool, LengthTool, AngleTool, EllipticalROITool, ArrowAnnotateTool]) addTool(tool);
  })();
  return started;
}
