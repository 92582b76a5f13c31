"use client";

import dynamic from "next/dynamic";

/** The policy form reads localStorage as it mounts, so it renders in the browser only. */
export const PolicySettingsLazy = dynamic(() => import("./PolicySettings").then((m) => m.PolicySettings), { ssr: false });
