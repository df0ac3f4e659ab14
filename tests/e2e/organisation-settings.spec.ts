import { pdfText } from '../support/pdf.ts';
import { test, expect } from './support/fixtures.ts';
import { expectNoAxeViolations, expectNoHorizontalScroll } from './support/axe.ts';
import { logoPng } from '../support/organisation-images.ts';

test('a coordinator changes the representative and uploads a logo, then opens a specimen', async ({ page, person, signIn, db }) => {
  test.setTimeout(60_000);
  // The settings are one row shared by every test: put them back afterwards.
  const saved = await db.selectFrom('organisation_settings').selectAll().executeTakeFirstOrThrow();
  try {
    const suffix = Math.random().toString(36).slice(2, 7);
    const coordinator = await person({ givenName: 'Julien', familyName: `Morel${suffix}`, roles: ['coordinator'] });
    await signIn(coordinator);
    await page.setViewportSize({ width: 320, height: 640 });
    await page.goto('/accueil');
    await page.getByRole('link', { name: 'Organisme', exact: true }).click();
    await expect(page.getByRole('heading', { level: 1, name: 'Coordonnées de l’organisme' })).toBeVisible();
    await expect(page.getByText('Celles déjà délivrées ne changent pas')).toBeVisible();
    await expectNoHorizontalScroll(page);

    // A text file named logo.png is refused with the reason; what was typed stays in the form.
    const representative = `Hélène Dupré${suffix}`;
    await page.getByLabel('Nom du ou de la représentant·e légal·e').fill(representative);
    const logoInput = page.getByLabel(/(Ajouter un|Remplacer le) logo/);
    await logoInput.setInputFiles({ name: 'logo.png', mimeType: 'image/png', buffer: Buffer.from('Ceci n’est pas une image.') });
    await page.getByRole('button', { name: 'Enregistrer' }).click();
    await expect(page.getByRole('alert')).toContainText('Logo : le fichier envoyé n’est pas une image PNG ou JPEG.');
    await expect(page.getByLabel('Nom du ou de la représentant·e légal·e')).toHaveValue(representative);
    await expect(logoInput).toHaveAttribute('aria-invalid', 'true');
    await expectNoAxeViolations(page);

    // With a real logo, from the keyboard: saved, and shown.
    await logoInput.setInputFiles({ name: 'logo.png', mimeType: 'image/png', buffer: Buffer.from(logoPng()) });
    await page.getByRole('button', { name: 'Enregistrer' }).focus();
    await page.keyboard.press('Enter');
    await page.waitForURL(/info=enregistre/);
    await expect(page.getByText('Les coordonnées sont enregistrées.')).toBeVisible();
    await expect(page.getByLabel('Nom du ou de la représentant·e légal·e')).toHaveValue(representative);
    await expect(page.getByRole('img', { name: 'Logo enregistré' })).toBeVisible();
    await expectNoAxeViolations(page);
    await expectNoHorizontalScroll(page);

    // The specimen: the new representative and the logo, marked as worthless, never numbered.
    const href = await page.getByRole('link', { name: 'Voir un spécimen' }).first().getAttribute('href');
    const response = await page.request.get(href!);
    expect(response.status()).toBe(200);
    expect(response.headers()['content-type']).toBe('application/pdf');
    const text = await pdfText(new Uint8Array(await response.body()));
    expect(text).toContain('SPÉCIMEN – sans valeur');
    expect(text).toContain('N° SPÉCIMEN');
    expect(text).toContain(representative);
    expect(text).not.toMatch(/EP-\d{4}-\d{6}/);
  } finally {
    await db
      .updateTable('organisation_settings')
      .set({
        name: saved.name,
        address: saved.address,
        registration_number: saved.registration_number,
        representative_name: saved.representative_name,
        representative_title: saved.representative_title,
        signature_png: saved.signature_png,
        logo_image: saved.logo_image,
        logo_media_type: saved.logo_media_type,
        updated_at: saved.updated_at,
        updated_by: saved.updated_by,
      })
      .where('id', '=', true)
      .execute();
  }
});
