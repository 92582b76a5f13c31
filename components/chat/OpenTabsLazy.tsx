"use client";

import dynamic from "next/dynamic";

/** The open tabs are read from localStorage: rendered in the browser only. */
export const OpenTabsLazy = dynamic(() => import("./OpenTabs").then((m) => m.OpenTabs), { ssr: false });
