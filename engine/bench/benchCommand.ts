export async function benchCommand(_o: { out: string; seconds?: number }): Promise<number> { throw new Error('not yet'); }
